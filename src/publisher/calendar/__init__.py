"""The calendar: the folder of items read and checked (load, check), synced to the store (sync; on a shared
store only from a git commit at least as new as the newest synced, revision), slots, previews and ICS.

Owns turning the workspace folder into posts. Imports content, render, the store and the workspace;
never the queue, the daemon or a face."""
