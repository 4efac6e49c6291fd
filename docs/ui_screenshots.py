"""`make ui-screenshots`: seed a temporary MLflow store with the demo sweep, start `mlflow ui` on 127.0.0.1, open
the experiment's run list (sweep parent unfolded) and the compare view in headless Debian chromium via Playwright,
save docs/mlflow-sweep-runs.png and docs/mlflow-sweep-compare.png, and fail when the sweep's runs are not shown."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SWEEP = ROOT / "configs" / "sweeps" / "demo_logreg.yaml"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed_store(uri: str) -> object:
    """Run the demo sweep into the store; returns its SweepResult."""
    os.environ["MLFLOW_TRACKING_URI"] = uri
    from train.sweep import SweepOptions, run_sweep

    result = run_sweep(SWEEP, SweepOptions(jobs=2))
    print(f"seeded: parent {result.parent_run_id}, {len(result.trials)} trials", flush=True)
    return result


def start_ui(uri: str, port: int, log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "mlflow"), "ui", "--backend-store-uri", uri, "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 240  # ~7 s on an idle machine; much more on a busy shared one
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"mlflow ui exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    process.terminate()
    raise SystemExit("mlflow ui did not answer within 240 s")


def require(page: object, names: list[str], what: str) -> None:
    """Fail (exit 1) unless every name is visible text on the page."""
    body = page.inner_text("body")  # type: ignore[attr-defined]
    missing = [name for name in names if name not in body]
    if missing:
        raise SystemExit(f"{what}: the page does not show {missing}")


def shoot(port: int, result: object) -> None:
    """Run list with the sweep's parent unfolded, then MLflow's compare view of its trials."""
    from playwright.sync_api import sync_playwright

    experiment_id = _experiment_id(result)
    trials = result.trials  # type: ignore[attr-defined]
    names = [t.run_name for t in trials]
    parent_name = _parent_name(result)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/#/experiments/{experiment_id}/runs", wait_until="domcontentloaded")
        page.get_by_text(parent_name).first.wait_for(timeout=90_000)
        _close_assistant(page)
        # The `+` in front of a parent run's name unfolds its nested runs.
        page.locator("button[data-component-id*='runnamecellrenderer']").first.click()
        page.get_by_text(names[0]).first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        require(page, [parent_name, *names], "run list")
        page.screenshot(path=str(DOCS / "mlflow-sweep-runs.png"))
        runs = json.dumps([t.run_id for t in trials]).replace(" ", "")
        page.goto(f'http://127.0.0.1:{port}/#/compare-runs?runs={runs}&experiments=["{experiment_id}"]',
                  wait_until="domcontentloaded")
        page.get_by_text(names[0]).first.wait_for(timeout=90_000)
        _close_assistant(page)
        page.wait_for_timeout(3000)
        require(page, names, "compare view")
        page.screenshot(path=str(DOCS / "mlflow-sweep-compare.png"))
        browser.close()


def _close_assistant(page: object) -> None:
    """Fold away MLflow's assistant side panel when it is open, so the runs get the width."""
    close = page.locator("button[aria-label='Close']")  # type: ignore[attr-defined]
    if close.count():
        close.first.click()


def _experiment_id(result: object) -> str:
    from mlflow.tracking import MlflowClient

    return MlflowClient().get_run(result.parent_run_id).info.experiment_id  # type: ignore[attr-defined]


def _parent_name(result: object) -> str:
    from mlflow.tracking import MlflowClient

    return MlflowClient().get_run(result.parent_run_id).info.run_name  # type: ignore[attr-defined]


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium (make ui-screenshots does)")
    with tempfile.TemporaryDirectory(prefix="secnews-ui-") as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        result = seed_store(uri)
        port = free_port()
        ui = start_ui(uri, port, Path(tmp) / "mlflow-ui.log")
        try:
            shoot(port, result)
        finally:
            ui.terminate()
            try:
                ui.wait(timeout=30)
            except subprocess.TimeoutExpired:
                ui.kill()
    print(f"wrote {DOCS / 'mlflow-sweep-runs.png'} and {DOCS / 'mlflow-sweep-compare.png'}")


if __name__ == "__main__":
    main()
