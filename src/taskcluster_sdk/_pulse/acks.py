"""The acknowledgement policy, as Taskcluster's own consumers apply it.

A handler that returns acks its message. One that raises has its message
requeued once, and rejected (logged with the error) if it was already
redelivered; a cancelled or interrupted handler's message comes again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .message import Handler, Message

__all__ = ["handle", "settle_failed"]

log = logging.getLogger("taskcluster_sdk.pulse")


async def handle(handler: Handler, message: Message[Any, Any]) -> None:
    """Run `handler` on `message` and settle it by the outcome."""
    try:
        await handler(message)
    except asyncio.CancelledError:
        await message.reject(requeue=True)
        raise
    except Exception as error:
        await settle_failed(message, error)
    else:
        await message.ack()


async def settle_failed(message: Message[Any, Any], error: BaseException) -> None:
    if not isinstance(error, Exception):
        # Cancelled or interrupted: not the handler's failure; let it come again.
        await message.reject(requeue=True)
    elif message.settled:
        log.error(
            "handler failed for message from %s (%s) it had settled already",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
    elif message.redelivered:
        log.error(
            "handler failed again for redelivered message from %s (%s); rejecting it",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=False)
    else:
        log.warning(
            "handler failed for message from %s (%s); requeueing it once",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=True)
