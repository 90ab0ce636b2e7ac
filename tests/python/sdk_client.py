#!/usr/bin/env python3
"""Drives epmcp over stdio with the official Python MCP SDK and prints a JSON report.

usage: sdk_client.py EPMCP_BIN   (EP_API_URL and EPMCP_COMPONENTS are passed through)
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary: str) -> int:
    env = {k: os.environ[k] for k in ("EP_API_URL", "EPMCP_COMPONENTS", "EPMCP_CACHE_DIR", "EPMCP_TRUSTED_KEYS", "PATH") if k in os.environ}
    params = StdioServerParameters(command=binary, args=[], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            details = await session.call_tool("get_mep_details", {"id": "1294"})
            current = await session.call_tool("get_current_meps", {"limit": 2})
            # The SDK validates structuredContent against each tool's outputSchema.
            try:
                invalid = await session.call_tool("get_current_meps", {"limit": 1000})
                invalid = {"isError": invalid.isError, "text": invalid.content[0].text}
            except Exception as e:  # a JSON-RPC error surfaces as an exception in some SDK versions
                invalid = {"isError": True, "text": str(e)}
            templates = await session.list_resource_templates()
            resource = await session.read_resource("ep://meps/1294")
            prompts = await session.list_prompts()
            prompt = await session.get_prompt("mep_briefing", {"mepId": "1294"})
            # The analytics over the fixtures' two sitting days (the SDK checks each result
            # against the tool's outputSchema).
            march = {"dateFrom": "2024-03-11", "dateTo": "2024-03-14"}
            analytics = {}
            for name, args in [
                ("analyze_voting_patterns", {"mepId": "101"}),
                ("analyze_coalition_dynamics", {}),
                ("compare_political_groups", {"groupIds": ["EPP", "S&D"]}),
                ("track_mep_attendance", {}),
                ("analyze_country_delegation", {"country": "EL"}),
                ("generate_political_landscape", {}),
                ("detect_voting_anomalies", {}),
                ("comparative_intelligence", {"mepIds": ["101", "107"]}),
                ("network_analysis", {"analysisType": "voting", "minSimilarity": 0.6}),
                ("sentiment_tracker", {"timeframe": "last_month", "dateTo": "2024-03-14"}),
                ("early_warning_system", {"sensitivity": "high", "dateTo": "2024-03-14"}),
                ("assess_mep_influence", {"mepId": "104"}),
                ("correlate_intelligence", {"mepIds": ["101", "104"]}),
                ("generate_report", {"reportType": "VOTING_STATISTICS"}),
                ("analyze_legislative_effectiveness", {"subjectType": "MEP", "subjectId": "101"}),
                ("analyze_committee_activity", {"committeeId": "AFCO"}),
                ("monitor_legislative_pipeline", {"status": "ALL", "dateTo": "2024-03-14"}),
                ("track_legislation", {"procedureId": "1972/0003(COD)", "dateTo": None}),
            ]:
                period = {} if "dateTo" in args else march
                args = {k: v for k, v in args.items() if v is not None}
                result = await session.call_tool(name, {**args, **period})
                analytics[name] = {"isError": result.isError, "structured": result.structuredContent}
            # Long tools report how many EP answers they have read when the request carries a
            # progress token (the SDK sends one with a callback); without one, none is sent.
            # (Arguments not called above: a reused result reads nothing.)
            progress = {}
            for name, args in [
                ("monitor_legislative_pipeline", {"status": "STALLED", "dateTo": "2024-03-14"}),
                ("get_voting_records", {"dateFrom": "2024-03-11", "dateTo": "2024-03-14"}),
                ("get_all_generated_stats", {"yearFrom": 2023, "yearTo": 2024}),
            ]:
                seen = []

                async def report(done, total, message, seen=seen):
                    seen.append({"progress": done, "total": total, "message": message})

                result = await session.call_tool(name, args, progress_callback=report)
                progress[name] = {"isError": result.isError, "notifications": seen}
            print(json.dumps({
                "progress": progress,
                "protocolVersion": init.protocolVersion,
                "tools": [t.name for t in tools.tools],
                "details": details.structuredContent,
                "current": current.structuredContent,
                "invalid": invalid,
                "templates": [t.uriTemplate for t in templates.resourceTemplates],
                "resource": json.loads(resource.contents[0].text),
                "prompts": [p.name for p in prompts.prompts],
                "prompt": prompt.messages[0].content.text,
                "analytics": analytics,
            }))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
