"""What an alert looks like on the way out: generic JSON, Slack-style blocks, email text.

Everything is built from an allow-list of the alert row's fields. Canary ids and
addresses are privileged: only their count (`canaries_hit`) ever leaves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from trustkeep.clock import as_utc, isoformat

SIGNATURE_HEADER = "X-Trustkeep-Signature"
SENDER_KEYS = ("peer_ip", "mail_from_domain", "from_domain")
MAX_LIST = 50


def _when(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return isoformat(as_utc(value))
    return str(value)


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item) for item in value[:MAX_LIST] if isinstance(item, str | int)]


def _senders(value: Any) -> list[dict[str, str | None]]:
    if not isinstance(value, list):
        return []
    senders = []
    for item in value[:MAX_LIST]:
        if isinstance(item, Mapping):
            senders.append({key: _optional(item.get(key)) for key in SENDER_KEYS})
    return senders


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def alert_payload(
    alert: Mapping[str, Any],
    event: str,
    *,
    delivery_id: int | None = None,
    console_url: str | None = None,
) -> dict[str, Any]:
    """The outgoing document for one alert row (a mapping of `alerts` columns)."""
    try:
        summary = json.loads(alert["summary"]) if alert.get("summary") else {}
    except ValueError:
        summary = {}
    if not isinstance(summary, dict):
        summary = {}
    canaries = summary.get("canary_ids")
    payload: dict[str, Any] = {
        "type": "trustkeep.alert",
        "version": 1,
        "event": event,
        "delivery_id": delivery_id,
        "id": str(alert["id"]),
        "partner_id": str(alert["partner_id"]),
        "status": str(alert["status"]),
        "created_at": _when(alert.get("created_at")),
        "first_seen": _when(alert.get("first_seen")),
        "last_seen": _when(alert.get("last_seen")),
        "message_count": int(alert.get("message_count") or 0),
        "export_ids": _strings(summary.get("export_ids")),
        "earliest_export_id": _optional(summary.get("earliest_export_id")),
        "canaries_hit": len(canaries) if isinstance(canaries, list) else 0,
        "senders": _senders(summary.get("senders")),
        "reasons": _strings(summary.get("reasons")),
        # `suspected` alerts go out at a lower severity than `leak` ones.
        "level": _level(alert.get("level")),
        "severity": "high" if _level(alert.get("level")) == "leak" else "medium",
        "likelihood": _number(alert.get("likelihood")),
        "weighing": _strings((summary.get("weighing") or {}).get("reasons")),
    }
    if console_url:
        payload["url"] = f"{console_url.rstrip('/')}/alerts/{payload['id']}"
    return payload


def _level(value: Any) -> str:
    return "suspected" if value == "suspected" else "leak"


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 3)
    return None


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes: the exact bytes that are signed and sent."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def signature(secret: bytes, body: bytes) -> str:
    """The `X-Trustkeep-Signature` value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def headline(payload: Mapping[str, Any]) -> str:
    kind = "Suspected leak" if payload.get("level") == "suspected" else "Leak alert"
    verb = {"raised": kind, "updated": f"{kind} updated", "resolved": "Alert resolved"}
    return (
        f"{verb.get(payload['event'], 'Alert')}: partner {payload['partner_id']} — "
        f"{payload['canaries_hit']} canaries hit, {payload['message_count']} messages"
    )


def _lines(payload: Mapping[str, Any]) -> list[str]:
    lines = [
        f"Alert: {payload['id']} ({payload['status']})",
        f"Level: {payload.get('level', 'leak')}",
        f"Partner: {payload['partner_id']}",
        f"First seen: {payload['first_seen']}",
        f"Last seen: {payload['last_seen']}",
        f"Messages: {payload['message_count']}",
        f"Canaries hit: {payload['canaries_hit']}",
        f"Earliest export: {payload['earliest_export_id'] or '-'}",
        f"Exports: {', '.join(payload['export_ids']) or '-'}",
    ]
    for sender in payload["senders"]:
        lines.append(
            "Sender: ip {peer_ip}, envelope {mail_from_domain}, from {from_domain}".format(
                **{k: v or "-" for k, v in sender.items()}
            )
        )
    lines += [f"Reason: {reason}" for reason in payload["reasons"]]
    lines += [f"Evidence: {reason}" for reason in payload.get("weighing", [])]
    return lines


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (links, mentions); show them as text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(payload: Mapping[str, Any]) -> bytes:
    """A Slack incoming-webhook message: fallback `text` and `blocks`."""
    title = _slack_escape(headline(payload))
    details = "\n".join(_slack_escape(line) for line in _lines(payload))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline(payload)[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": details[:2900]}},
    ]
    if payload.get("url"):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in Trustkeep"},
                        "url": payload["url"],
                    }
                ],
            }
        )
    return json_body({"text": title, "blocks": blocks})


def email_message(payload: Mapping[str, Any], sender: str, to: list[str]) -> EmailMessage:
    """A plain-text email for the alert."""
    message = EmailMessage()
    message["Subject"] = " ".join(f"[Trustkeep] {headline(payload)}".split())
    message["From"] = sender
    message["To"] = ", ".join(to)
    body = _lines(payload)
    if payload.get("url"):
        body += ["", f"Open: {payload['url']}"]
    message.set_content("\n".join(body) + "\n")
    return message
