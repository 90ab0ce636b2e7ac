#!/usr/bin/env python3
"""`make demo`: start the loopback fake of the EP API with the bundled samples, connect
the official Python MCP SDK to epmcp over stdio, and show a short session."""
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("EPMCP_BIN", ROOT / "target/release/epmcp"))
FAKE = Path(os.environ.get("EPMCP_FAKE", ROOT / "target/release/fake-ep-api"))
FIXTURES = Path(os.environ.get("EPMCP_FIXTURES", ROOT / "tests/fixtures/ep-api"))

# Ten calls, each answered from a whole real EP API response in the bundled samples.
CALLS = [
    ("get_current_meps", {"limit": 3}),
    ("get_mep_details", {"id": "1294"}),
    ("get_committee_info", {"id": "1"}),
    ("get_plenary_sessions", {"year": 2014, "limit": 3}),
    ("get_voting_records", {"sessionId": "MTG-PL-2014-01-16", "limit": 3}),
    ("get_procedures", {"processId": "1972/0003(COD)"}),
    ("get_parliamentary_questions", {"docId": "E-10-2024-001357"}),
    ("get_speeches", {"limit": 2}),
    ("get_all_generated_stats", {"category": "plenary_sessions", "yearFrom": 2014, "yearTo": 2014}),
    ("get_server_health", {}),
]
# And what a hostile argument gets: a clear refusal, nothing sent upstream.
HOSTILE = ("get_mep_details", {"id": "../etc/passwd"})


def show(value, indent="    ", width=100):
    text = json.dumps(value, ensure_ascii=False, indent=1)
    lines = text.splitlines()
    for line in lines[:18]:
        print(indent + line[:width])
    if len(lines) > 18:
        print(f"{indent}… ({len(lines) - 18} more lines)")


async def session(url: str) -> int:
    params = StdioServerParameters(command=str(BIN), args=[], env={"EP_API_URL": url, "EPMCP_LOG": "error",
                                                                     "EPMCP_TRUSTED_KEYS": os.environ.get("EPMCP_TRUSTED_KEYS", ""),
                                                                     "PATH": os.environ.get("PATH", "")})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            print(f"connected to {init.serverInfo.name} {init.serverInfo.version}, protocol {init.protocolVersion}\n")
            tools = await s.list_tools()
            print(f"{len(tools.tools)} tools, each a sandboxed WebAssembly component:")
            for t in tools.tools:
                print(f"  {t.name:<36} {t.title}")
            succeeded = 0
            for name, args in CALLS:
                print(f"\n> {name} {json.dumps(args)}")
                result = await s.call_tool(name, args)
                if result.isError:
                    print(f"    error: {result.content[0].text}")
                else:
                    succeeded += 1
                    show(result.structuredContent)
            print(f"\n{succeeded} of {len(CALLS)} calls answered from the real samples")
            name, args = HOSTILE
            print(f"\n> {name} {json.dumps(args)}   (a hostile argument)")
            result = await s.call_tool(name, args)
            print(f"    refused: {result.content[0].text}" if result.isError else "    NOT REFUSED")
            templates = await s.list_resource_templates()
            print("\nresource templates: " + ", ".join(t.uriTemplate for t in templates.resourceTemplates))
            print("\n> resources/read ep://political-groups")
            groups = await s.read_resource("ep://political-groups")
            show(json.loads(groups.contents[0].text))
            prompts = await s.list_prompts()
            print("\nprompts: " + ", ".join(p.name for p in prompts.prompts))
            print('\n> prompts/get mep_briefing {"mepId": "1294"}')
            prompt = await s.get_prompt("mep_briefing", {"mepId": "1294"})
            for line in prompt.messages[0].content.text.splitlines():
                print("    " + line)
            return succeeded


def main() -> int:
    fake = subprocess.Popen([str(FAKE), "--fixtures", str(FIXTURES)], stdout=subprocess.PIPE, text=True)
    try:
        url = fake.stdout.readline().strip()
        print(f"fake EP API (bundled samples) at {url}")
        succeeded = asyncio.run(session(url))
    finally:
        fake.terminate()
        fake.wait(timeout=5)
    return 0 if succeeded == len(CALLS) else 1


if __name__ == "__main__":
    sys.exit(main())
