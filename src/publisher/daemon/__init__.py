"""The daemon (`publisher run`): the folder watcher, the scheduler of due posts and recurring jobs,
the instance lock.

Orchestration: drives the queue, the calendar sync, the metrics pull and the reports;
never imported by them."""
