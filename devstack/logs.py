"""What the sandboxes print, made readable for `make start`: the same JSON records CloudWatch
gets (Powertools' logs, the metrics' EMF documents), each as one short line."""

import json
from typing import Any

# What a reader of the local log already knows (the line's prefix names the function) or
# never needs there.
_HIDDEN = frozenset(
    {
        "level",
        "message",
        "timestamp",
        "service",
        "location",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "sampling_rate",
        # An error's traceback comes once, as text under its line (``exception``).
        "exception",
        "stack_trace",
    }
)


def readable(line: str) -> str:
    """A log record as ``LEVEL message  key=value ...`` (an error's traceback under it); a
    metrics document as the route and its non-zero counts; anything else as it came."""
    try:
        record: Any = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    if "_aws" in record:
        return _metrics(record)
    if "level" not in record or "message" not in record:
        return line
    fields = [
        f"{name}={value}"
        for name, value in record.items()
        if name not in _HIDDEN and not (name == "cold_start" and value is False)
    ]
    shown = f"{record['level']} {record['message']}  {' '.join(fields)}".rstrip()
    if isinstance(record.get("exception"), str):
        shown += "\n" + record["exception"]
    return shown


def _metrics(document: dict[str, Any]) -> str:
    counts = []
    for directive in document["_aws"].get("CloudWatchMetrics", []):
        for metric in directive.get("Metrics", []):
            value = document.get(metric["Name"], 0)
            total = sum(value) if isinstance(value, list) else value
            if total:
                counts.append(f"{metric['Name']}={total:g}")
    return f"metrics {document.get('route', '')}: {' '.join(counts)}"
