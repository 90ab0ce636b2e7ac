#!/usr/bin/env python3
"""One Streamable HTTP session of the official Python MCP SDK making a list of calls, for
tests that need to see exactly what a given caller gets. Prints a JSON report: the tool
names the caller sees and, per call, its structured result or its error text, and when it
was answered (ms since the first call began).

usage: calls.py URL CALLS_JSON     (no session at all: {"connectError": why})
  CALLS_JSON: [[tool, arguments], …]; a repeated call may be written [tool, arguments, times]
  EPMCP_KEY: the API key to send (Authorization: Bearer)
  EPMCP_CA_FILE: the CA to trust for https URLs
  EPMCP_CLIENT_CERT, EPMCP_CLIENT_KEY: a client certificate and key to present (mutual TLS)
  EPMCP_CALLS_ALIGN_SECOND: if set, the first call waits for the next wall-clock second, so a
    short burst falls within one of the per-second windows the server's anomaly detector counts
"""
import asyncio
import json
import os
import ssl
import sys
import time

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared._httpx_utils import create_mcp_http_client


def client_factory(headers=None, timeout=None, auth=None):
    """The SDK's client; with a CA, trusting it, and with a client certificate, presenting it."""
    ca = os.environ.get("EPMCP_CA_FILE")
    if not ca:
        return create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
    context = ssl.create_default_context(cafile=ca)
    cert = os.environ.get("EPMCP_CLIENT_CERT")
    if cert:
        context.load_cert_chain(cert, os.environ["EPMCP_CLIENT_KEY"])
    return httpx.AsyncClient(headers=headers, timeout=timeout or 30, auth=auth, verify=context)


async def call(session, tool, arguments):
    try:
        result = await session.call_tool(tool, arguments)
        if result.isError:
            return {"error": result.content[0].text}
        return {"result": result.structuredContent}
    except Exception as e:  # JSON-RPC errors (a refused or invalid call) surface as exceptions
        return {"error": str(e)}


async def main(url: str, calls: list) -> int:
    key = os.environ.get("EPMCP_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else None
    async with streamablehttp_client(url, headers=headers, httpx_client_factory=client_factory) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            answers = []
            if os.environ.get("EPMCP_CALLS_ALIGN_SECOND"):
                await asyncio.sleep(1 - time.time() % 1 + 0.005)
            started = time.monotonic()
            for entry in calls:
                tool, arguments = entry[0], entry[1]
                times = entry[2] if len(entry) > 2 else 1
                for _ in range(times):
                    answer = await call(session, tool, arguments)
                    answer["ms"] = round((time.monotonic() - started) * 1000, 1)  # since the first call began
                    answers.append(answer)
            print(json.dumps({"tools": [t.name for t in tools.tools], "calls": answers}))
    return 0


def reasons(error: BaseException) -> list[str]:
    """The leaf errors of an exception (the SDK wraps them in task-group exception groups)."""
    if isinstance(error, BaseExceptionGroup):
        return [r for e in error.exceptions for r in reasons(e)]
    return [f"{type(error).__name__}: {error}"]


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]))))
    except Exception as e:  # no session at all (refused handshake, 401): reported, not raised
        print(json.dumps({"connectError": " | ".join(reasons(e))}))
        sys.exit(0)
