"""The WeChat fake under /cgi-bin (mimics https://api.weixin.qq.com)."""
