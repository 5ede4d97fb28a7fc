"""An independent MCP client for `keymint mcp`: the official Python SDK (`pip install mcp`).

    python3 tests/mcp_client.py KEYMINT_BINARY DATA_DIR [KEY]

Starts `KEYMINT_BINARY --data-dir DATA_DIR mcp` with this process's environment, initializes,
lists the tools, calls list_keys and key_reference (for KEY, default `api`) and prints one
JSON object: the server's name and instructions, the tool names, and each call's text and
is_error. Run by tests/tests/mcp.rs; `make test` installs the package.
"""

import json
import os
import sys

try:
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
except ImportError as e:  # The Rust test turns this exit status into its failure message.
    print(f"cannot import the mcp package ({e}); `make test` installs it", file=sys.stderr)
    sys.exit(3)


def texts(result):
    return [c.text for c in result.content if getattr(c, "type", None) == "text"]


async def main(binary, data_dir, key):
    server = StdioServerParameters(
        command=binary,
        args=["--data-dir", data_dir, "mcp"],
        # The SDK passes only a few variables by default; keymint needs the keychain's.
        env=dict(os.environ),
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            keys = await session.call_tool("list_keys", {})
            reference = await session.call_tool("key_reference", {"key": key})
            missing = await session.call_tool("key_reference", {"key": "no-such-key"})
    out = {
        "server": init.server_info.name,
        "instructions": init.instructions,
        "tools": sorted(t.name for t in tools.tools),
        "schemas": {t.name: t.input_schema for t in tools.tools},
        "list_keys": {"is_error": bool(keys.is_error), "text": texts(keys)},
        "key_reference": {"is_error": bool(reference.is_error), "text": texts(reference)},
        "missing": {"is_error": bool(missing.is_error), "text": texts(missing)},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    anyio.run(main, sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "api")
