#!/usr/bin/env python3
"""Reads the EP API through the MCP methods other than tools/call, with the official Python
SDK over Streamable HTTP: completion values and resource subscriptions, in one or more
sessions of the same client. Prints a JSON report, one entry per action.

usage: reads.py URL SESSIONS ACTIONS_JSON
  ACTIONS_JSON: a list of
    ["complete", session, prompt, argument, prefix]  → {"values": [...]} or {"error": why}
    ["subscribe", session, uri]                      → {"ok": true} or {"error": why}
    ["sleep", seconds]                               → {}
  EPMCP_KEY: the API key to send (Authorization: Bearer); none: anonymous
"""
import asyncio
import contextlib
import json
import os
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.types import PromptReference


async def main(url, count, actions):
    key = os.environ.get("EPMCP_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else None
    report = []
    async with contextlib.AsyncExitStack() as stack:
        sessions = []
        for _ in range(count):
            read, write, _ = await stack.enter_async_context(streamablehttp_client(url, headers=headers))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            sessions.append(session)
        for action in actions:
            try:
                if action[0] == "complete":
                    _, n, prompt, argument, prefix = action
                    result = await sessions[n].complete(PromptReference(type="ref/prompt", name=prompt), {"name": argument, "value": prefix})
                    report.append({"values": result.completion.values})
                elif action[0] == "subscribe":
                    _, n, uri = action
                    await sessions[n].subscribe_resource(uri)
                    report.append({"ok": True})
                elif action[0] == "sleep":
                    await asyncio.sleep(action[1])
                    report.append({})
            except Exception as e:  # a JSON-RPC error arrives as an exception
                report.append({"error": str(e)})
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])))))
