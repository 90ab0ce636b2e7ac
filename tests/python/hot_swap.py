#!/usr/bin/env python3
"""The hot-swap demonstration, as an operator and a connected client live it: over
Streamable HTTP with the official Python MCP SDK, release 2 of the `versioned` component
is dropped into the components directory while the session stays open; then a tampered
copy is dropped (refused: release 2 keeps answering); then the component is removed.
Prints a JSON report.

usage: hot_swap.py URL COMPONENTS_DIR STAGED_DIR
"""
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

import mcp.types as types
from mcp import ClientSession
from mcp.shared.exceptions import McpError
from mcp.client.streamable_http import streamablehttp_client

SUFFIXES = ("manifest.sig", "manifest.toml", "wasm")


def install(staged, stem, components, name):
    """The way an operator should install: copy beside, then rename into place."""
    for suffix in SUFFIXES:
        part = components / f".{name}.{suffix}.part"
        shutil.copyfile(staged / f"{stem}.{suffix}", part)
        os.replace(part, components / f"{name}.{suffix}")


async def main(url, components, staged):
    changes = []

    async def messages(message):
        if isinstance(message, types.ServerNotification) and isinstance(message.root, types.ToolListChangedNotification):
            changes.append(time.monotonic())

    async def wait_for_change(count, seconds=20):
        for _ in range(seconds * 100):
            if len(changes) >= count:
                return True
            await asyncio.sleep(0.01)
        return False

    async def names(session):
        return [t.name for t in (await session.list_tools()).tools]

    report = {}
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write, message_handler=messages) as session:
            init = await session.initialize()
            report["listChangedCapability"] = bool(init.capabilities.tools and init.capabilities.tools.listChanged)
            report["before"] = (await session.call_tool("versioned_release", {})).structuredContent
            report["toolsBefore"] = await names(session)

            # A call in flight during the swap finishes on the release it started with.
            in_flight = asyncio.create_task(session.call_tool("versioned_slow_release", {}))
            finished = []
            in_flight.add_done_callback(lambda _: finished.append(time.monotonic()))
            await asyncio.sleep(0.2)
            dropped = time.monotonic()
            install(staged, "versioned_2", components, "versioned")
            report["notified"] = await wait_for_change(1)
            if changes:
                report["notifiedAfterMs"] = round((changes[0] - dropped) * 1000)
            report["after"] = (await session.call_tool("versioned_release", {})).structuredContent
            report["toolsAfter"] = await names(session)
            report["greeting"] = (await session.call_tool("versioned_greeting", {})).structuredContent
            report["inFlight"] = (await in_flight).structuredContent
            report["inFlightEndedAfterSwap"] = bool(changes and finished and finished[0] > changes[0])

            # A copy whose code does not match its signed manifest: refused, release 2 stays.
            tampered = components / ".versioned.wasm.part"
            tampered.write_bytes((staged / "versioned_2.wasm").read_bytes() + b"\0")
            os.replace(tampered, components / "versioned.wasm")
            await asyncio.sleep(1.0)
            report["afterTampered"] = (await session.call_tool("versioned_release", {})).structuredContent
            report["changesAfterTampered"] = len(changes)

            for suffix in SUFFIXES:
                (components / f"versioned.{suffix}").unlink()
            report["notifiedRemoved"] = await wait_for_change(2)
            report["toolsRemoved"] = await names(session)
            try:
                await session.call_tool("versioned_release", {})
                report["callRemoved"] = "answered"
            except McpError as e:
                report["callRemoved"] = str(e)
            details = await session.call_tool("get_mep_details", {"id": "1294"})
            report["meps"] = details.structuredContent["name"]
    print(json.dumps(report))
    print(f"tools/list_changed {report.get('notifiedAfterMs')} ms after the drop", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
