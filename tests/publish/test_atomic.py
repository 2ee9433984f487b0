"""Atomic publishing: the target is the old build or the new one, never a mix."""

from __future__ import annotations

import pytest

from fanxing.publish.atomic import publish_dir, staging_dir


def test_first_publish_moves_the_stage_into_place(tmp_path):
    target = tmp_path / "build"
    with staging_dir(target) as stage:
        (stage / "a.csv").write_text("new")
        publish_dir(stage, target)
    assert (target / "a.csv").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_republish_replaces_the_old_build_completely(tmp_path):
    target = tmp_path / "build"
    target.mkdir()
    (target / "old_only.csv").write_text("old")
    with staging_dir(target) as stage:
        (stage / "a.csv").write_text("new")
        publish_dir(stage, target)
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_failure_while_staging_leaves_the_previous_build_untouched(tmp_path):
    target = tmp_path / "build"
    target.mkdir()
    (target / "a.csv").write_text("old")
    with pytest.raises(RuntimeError), staging_dir(target) as stage:
        (stage / "a.csv").write_text("half-written")
        raise RuntimeError("build failed")
    assert (target / "a.csv").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_stage_must_be_a_sibling(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ValueError):
        publish_dir(tmp_path / "elsewhere", tmp_path / "x" / "build")
