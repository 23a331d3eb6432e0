"""The memory baseline: a bare FastAPI app on uvicorn, nothing else."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI


def main() -> None:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
