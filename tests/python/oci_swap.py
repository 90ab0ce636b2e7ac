#!/usr/bin/env python3
"""A component's new release pulled from an OCI registry while a client stays connected:
over Streamable HTTP with the official Python MCP SDK, the client calls `versioned_release`,
the operator runs `epmcp components pull` into the server's components directory, and the
client is told its tool list changed and gets the new release's answer. Prints a JSON report.

usage: oci_swap.py URL PULL_ARGV_JSON
"""
import asyncio
import json
import subprocess
import sys
import time

import mcp.types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


async def main(url, pull):
    changes = []

    async def messages(message):
        if isinstance(message, types.ServerNotification) and isinstance(message.root, types.ToolListChangedNotification):
            changes.append(time.monotonic())

    report = {}
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write, message_handler=messages) as session:
            await session.initialize()
            report["before"] = (await session.call_tool("versioned_release", {})).structuredContent
            done = subprocess.run(pull, capture_output=True, text=True, timeout=120)
            report["pull"] = {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr[-2000:]}
            for _ in range(2000):
                if changes:
                    break
                await asyncio.sleep(0.01)
            report["notified"] = bool(changes)
            report["after"] = (await session.call_tool("versioned_release", {})).structuredContent
            report["tools"] = [t.name for t in (await session.list_tools()).tools]
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
