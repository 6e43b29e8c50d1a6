"""index.toml's `parts`: headings on the course map before runs of lessons, read from the
index (never from lesson numbers), with a clear message for every malformed part."""

from __future__ import annotations

from pathlib import Path

import pytest
from bptutor.engine.course.loader import load_course
from bptutor.engine.course.outline import read_index, read_outline

LESSON = """id = "{id}"
title = "Lesson {id}"
summary = "Summary {id}."

[[steps]]
id = "read"
title = "Read"
text = "Text."
"""


def course_folder(tmp_path: Path, parts: str, broken: str = "") -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    names = ["a1", "a2", "b1", "b2", "c1"]
    (folder / "index.toml").write_text(
        'format_version = 2\ntitle = "Parts"\nlessons = ['
        + ", ".join(f'"{n}"' for n in names)
        + "]\n"
        + parts,
        encoding="utf-8",
    )
    for name in names:
        text = "not toml [" if name == broken else LESSON.format(id=name)
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


PARTS = """parts = [
    { title = "Second", first = "b1" },
    { title = "Third", first = "c1.toml" },
]
"""


def test_the_built_in_course_has_its_beyond_the_notes_heading() -> None:
    course = load_course()
    headings = course.part_headings()
    ids = [lesson.id for lesson in course.lessons]
    assert headings == {ids.index("activations"): "Beyond the notes"}
    assert ids[ids.index("activations") - 1] == "backprop-code"  # the notes' last lesson
    assert read_outline().part_headings() == headings  # the map's first frame has it too


def test_parts_start_where_the_index_says(tmp_path: Path) -> None:
    folder = course_folder(tmp_path, PARTS)
    course = load_course(folder)
    assert course.errors == ()
    assert course.part_headings() == {2: "Second", 4: "Third"}
    assert [p.title for p in course.parts] == ["Second", "Third"]
    assert [f.name for f in course.parts[0].files] == ["b1.toml", "b2.toml"]
    assert read_outline(folder).part_headings() == {2: "Second", 4: "Third"}


def test_no_parts_no_headings(tmp_path: Path) -> None:
    course = load_course(course_folder(tmp_path, ""))
    assert course.errors == () and course.parts == () and course.part_headings() == {}


def test_a_part_whose_first_lesson_is_broken_starts_at_its_next(tmp_path: Path) -> None:
    course = load_course(course_folder(tmp_path, PARTS, broken="b1"))
    assert len(course.errors) == 1 and "b1.toml" in course.errors[0]
    ids = [lesson.id for lesson in course.lessons]
    assert course.part_headings() == {ids.index("b2"): "Second", ids.index("c1"): "Third"}


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ('parts = "b1"\n', "parts must be a list of tables"),
        ('parts = [{ title = "X", first = "b1", at = 3 }]\n', 'parts[1]: unknown key "at"'),
        ('parts = [{ first = "b1" }]\n', "parts[1].title must be a non-empty string"),
        ('parts = [{ title = " ", first = "b1" }]\n', "parts[1].title must be a non-empty"),
        ('parts = [{ title = "X" }]\n', "parts[1].first must be a string"),
        ('parts = [{ title = "X", first = "zz" }]\n', 'parts[1].first "zz" is not one of the'),
        (
            'parts = [{ title = "X", first = "b1" }, { title = "Y", first = "a2" }]\n',
            'parts[2].first "a2" must come after the part before',
        ),
    ],
)
def test_a_malformed_part_is_named_and_the_lessons_still_load(
    tmp_path: Path, parts: str, message: str
) -> None:
    folder = course_folder(tmp_path, parts)
    index = read_index(folder)
    assert len(index.errors) == 1 and message in index.errors[0], index.errors
    assert "index.toml" in index.errors[0]
    course = load_course(folder)
    assert len(course.lessons) == 5 and course.parts == ()
    assert any(message in e for e in course.errors)


def test_an_unknown_index_key_lists_parts_among_the_known_ones(tmp_path: Path) -> None:
    index = read_index(course_folder(tmp_path, 'part = "b1"\n'))
    assert index.errors and "lessons, parts)" in index.errors[0]
