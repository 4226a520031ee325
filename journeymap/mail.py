"""Email, sent after commit and off the request and the event loop.

An operation that wants an email sent (maps.operations.inbox: a mention) hands the messages
here inside its transaction; they go once it commits (never for a rolled-back change), from one
worker thread, so neither the request nor the websocket's event loop ever waits on an SMTP
server. A failed send is logged, not raised: the inbox already holds the notification.
Knows nothing of maps: a message is a subject, a body and an address.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.core.mail import EmailMessage, get_connection
from django.db import transaction

logger = logging.getLogger(__name__)

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")
_pending: set[Future[None]] = set()


def send_after_commit(messages: list[EmailMessage]) -> None:
    """Send `messages` in the mail thread once the current transaction commits."""
    if messages:
        transaction.on_commit(lambda: _submit(messages))


def _submit(messages: list[EmailMessage]) -> None:
    future = _pool.submit(_send, messages)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("Could not send %d email(s)", len(messages))


def wait_for_mail(timeout: float = 10.0) -> None:
    """Wait until the emails handed over so far are sent (tests, and a clean shutdown)."""
    wait(list(_pending), timeout=timeout)
