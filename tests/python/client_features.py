#!/usr/bin/env python3
"""Drives the client side of MCP against `epmcp serve` with the conformance fixture and
hostile components, using the official Python MCP SDK over Streamable HTTP: log levels,
progress, sampling, elicitation (answered, declined, unsupported), resource subscriptions,
and the hostile component's attempts to abuse the client. Prints a JSON report.

usage: client_features.py URL
"""
import asyncio
import json
import sys

import mcp.types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

WATCHED = "test://watched-resource"


def text_of(result):
    return {"isError": bool(result.isError), "text": " ".join(c.text for c in result.content if c.type == "text"),
            "structured": result.structuredContent}


async def plain_session(url):
    """A client that declares no sampling or elicitation capability."""
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return {
                "sampling": text_of(await session.call_tool("test_sampling", {"prompt": "hello"})),
                "elicitation": text_of(await session.call_tool("test_elicitation", {"message": "who are you?"})),
            }


async def full_session(url):
    logs, updates, sampled, elicited = [], [], [], []

    async def sampling(context, params):
        sampled.append(params.messages[0].content.text)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="an answer"),
                                         model="test-model", stopReason="endTurn")

    async def elicitation(context, params):
        elicited.append(params.message)
        if params.message == "decline me":
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.org"})

    async def logging(params):
        logs.append({"level": params.level, "logger": params.logger, "data": params.data})

    async def messages(message):
        if isinstance(message, types.ServerNotification) and isinstance(message.root, types.ResourceUpdatedNotification):
            updates.append(str(message.root.params.uri))

    async def wait_for_update(count, seconds):
        for _ in range(int(seconds * 10)):
            if len(updates) >= count:
                return True
            await asyncio.sleep(0.1)
        return False

    report = {}
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write, sampling_callback=sampling, elicitation_callback=elicitation,
                                 logging_callback=logging, message_handler=messages) as session:
            init = await session.initialize()
            report["subscribeCapability"] = bool(init.capabilities.resources and init.capabilities.resources.subscribe)

            # Log levels: info messages are held back at the default level and sent at debug.
            await session.call_tool("test_tool_with_logging", {})
            report["logsAtDefaultLevel"] = len(logs)
            await session.set_logging_level("debug")
            await session.call_tool("test_tool_with_logging", {})
            report["logsAtDebug"] = list(logs)

            progress = []

            async def on_progress(done, total, message):
                progress.append([done, total])

            await session.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
            report["progress"] = progress

            report["sampling"] = text_of(await session.call_tool("test_sampling", {"prompt": "What is the EP?"}))
            report["sampled"] = list(sampled)
            report["elicitationAccepted"] = text_of(await session.call_tool("test_elicitation", {"message": "who are you?"}))
            report["elicitationDeclined"] = text_of(await session.call_tool("test_elicitation", {"message": "decline me"}))

            # The hostile component: a link instead of a form, and a flood.
            elicited_before = len(elicited)
            report["elicitUrl"] = text_of(await session.call_tool("hostile_elicit_url", {}))
            report["elicitUrlReachedClient"] = len(elicited) > elicited_before
            logs.clear()
            sampled.clear()
            report["flood"] = text_of(await session.call_tool("hostile_flood_client", {}))
            await asyncio.sleep(0.5)
            report["floodLogs"] = len(logs)
            report["floodSamplings"] = len(sampled)

            # Subscriptions: the watched resource changes every second.
            try:
                await session.subscribe_resource("test://no-such-resource")
                report["subscribeUnknown"] = "accepted"
            except Exception as e:
                report["subscribeUnknown"] = str(e)
            await session.subscribe_resource(WATCHED)
            report["updated"] = await wait_for_update(1, 10)
            report["updates"] = list(updates)
            await session.unsubscribe_resource(WATCHED)
            await asyncio.sleep(0.5)  # a read in flight may still report
            after = len(updates)
            await asyncio.sleep(2.5)
            report["updatesAfterUnsubscribe"] = len(updates) - after
    return report


async def main(url):
    print(json.dumps({"plain": await plain_session(url), "full": await full_session(url)}))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
