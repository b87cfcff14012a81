"""Your studies in chromium: upload, merge, survive page changes, export, re-import, bad file."""

from __future__ import annotations

import re

import pytest

from evidence import userdata as U
from tests.e2e.conftest import expect_no_exception, shot, wait_for_app

pytestmark = pytest.mark.browser
NO_SKELETON = "document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0"


def settle(page) -> None:
    wait_for_app(page)
    page.wait_for_function(NO_SKELETON, timeout=60_000)


def upload(page, path) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    settle(page)


def test_upload_merge_export_reimport(app_url, page, tmp_path) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/my-studies")
    settle(page)
    expect_no_exception(page)
    src = tmp_path / "mine.csv"
    src.write_bytes(U.template_bytes("csv"))
    upload(page, src)
    page.get_by_text("Loaded 2 studies from mine.csv").wait_for()
    expect_no_exception(page)
    shot(page, "my-studies-loaded")

    # a broken file does not replace them
    bad = tmp_path / "broken.csv"
    bad.write_text("id,label,histology_group\nX1,<b>Bad</b>,sarcoma\n")
    upload(page, bad)
    page.get_by_text(re.compile("Nothing could be loaded from broken.csv")).wait_for()
    page.get_by_text(re.compile(r"could not load: broken.csv › .*histology_group")).first.wait_for()
    assert page.locator("main b", has_text="Bad").count() == 0  # HTML shown as text, never rendered
    shot(page, "my-studies-bad-file")

    # export YAML, re-import it: the same two studies
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export as YAML (complete)").click()
    exported = tmp_path / dl.value.suggested_filename
    dl.value.save_as(exported)
    assert exported.name == "my_studies.yaml"
    again = U.import_bytes(exported.read_bytes(), "my_studies.yaml")
    assert [s.id for s in again.studies] == ["U1", "U2"] and not again.problems
    upload(page, exported)
    # studies are loaded already: nothing changes until the user chooses (replace / add / keep)
    page.get_by_text(re.compile("Nothing has changed yet: choose what to do")).wait_for()
    page.get_by_role("button", name="Replace my studies").click()
    page.get_by_text("Loaded 2 studies from my_studies.yaml").wait_for()

    # CSV export: formula-safe and re-importable to the same studies
    with page.expect_download() as dl2:
        page.get_by_role("button", name="Export as CSV").click()
    csv_path = tmp_path / dl2.value.suggested_filename
    dl2.value.save_as(csv_path)
    assert U.import_bytes(csv_path.read_bytes(), "my_studies.csv").studies == again.studies

    # the studies survive a page change and appear, marked, on the Studies page
    page.get_by_role("link", name="Studies").first.click()
    settle(page)
    page.locator("h1", has_text="Studies").wait_for()
    page.get_by_text("Built-in studies + your 2 studies").first.wait_for()
    box = page.locator(".st-key-study input[role='combobox']")
    box.click()
    box.fill("U1")
    page.locator("[role='option']", has_text=re.compile(r"^U1$")).first.click()
    page.locator("h3", has_text="Example 2021 (user) · U1").wait_for()
    settle(page)
    expect_no_exception(page)
    shot(page, "studies-user-card")
    page.get_by_role("link", name="Your studies").first.click()
    settle(page)
    page.get_by_text("Your studies now").wait_for()
    assert page.get_by_role("button", name="Export as CSV").count() == 1
    expect_no_exception(page)


def test_template_download_and_table(app_url, page, tmp_path) -> None:
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/my-studies")
    settle(page)
    page.get_by_role("tab", name="Templates & columns").click()
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV template").click()
    path = tmp_path / "t.csv"
    dl.value.save_as(path)
    assert path.read_bytes() == U.template_bytes("csv")
    page.get_by_role("tab", name="Edit in a table").click()
    page.get_by_role("button", name="Start from the template's two example rows").click()
    settle(page)
    page.get_by_text("Your studies now").wait_for()
    page.get_by_text(re.compile("2 valid studies from table")).wait_for()
    expect_no_exception(page)
    shot(page, "my-studies-table")
