// Draw the Metrics page's charts with the vendored Apache ECharts. Each chart's option is JSON the server
// built from the report's figures (a <script type="application/json">: data, never run); redrawn after a
// live update swaps the page's fragment in, and on resize.
(function () {
  "use strict";
  var drawn = [];

  function draw() {
    if (!window.echarts) { return; }
    drawn.forEach(function (c) { c.dispose(); });
    drawn = [];
    var boxes = document.querySelectorAll(".echart[data-chart]");
    Array.prototype.forEach.call(boxes, function (el) {
      var src = el.parentNode.querySelector("script.chart-option");
      if (!src) { return; }
      var option;
      try { option = JSON.parse(src.textContent); } catch (err) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      drawn.push(chart);
      el.setAttribute("data-drawn", "1");
    });
    document.body.setAttribute("data-charts", String(drawn.length));
  }

  window.publisherCharts = { draw: draw };
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  draw();
})();
