"""Code exercises: the learner's backward (and friends) run on the drawn cases, each kind of
wrong code gets the verdict that names it, and the work file is the learner's to keep."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from bptutor.engine.course.code_exercise import CodeExercise, Run
from bptutor.engine.course.code_format import (
    default_work_dir,
    starter_text,
    work_path,
    write_starter,
)
from bptutor.engine.course.coderun import CallResult, Limits, live_processes
from bptutor.engine.course.exercise import DrawnStep, draw
from bptutor.engine.course.loader import builtin_course_dir, load_course
from bptutor.engine.course.model import Lesson

SEED = 7
REFERENCE = builtin_course_dir() / "solutions" / "backprop.py"

# The learner's file around the backward under test: right.py's forward and cost, its backward.
HEAD, _, RIGHT = (
    (Path(__file__).resolve().parents[2] / "data" / "backprop" / "right.py")
    .read_text("utf-8")
    .partition("\n\ndef backward")
)
RIGHT = "\ndef backward" + RIGHT
HEAD += "\n"

# Learners' files (the `samples` fixture, tests/conftest.py), one per kind of code: each says on
# its "# expect:" line the verdict it gets.


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    course = load_course()
    found = course.lesson("backprop-code")
    assert found is not None
    return found


def drawn(lesson: Lesson, step_id: str, seed: int = SEED) -> DrawnStep:
    step = lesson.step(step_id)
    assert step is not None
    return draw(lesson, step, seed)


@pytest.fixture(scope="module")
def backward(lesson: Lesson) -> CodeExercise:
    inst = drawn(lesson, "backward")
    assert inst.code is not None
    return inst.code


def learner_file(tmp_path: Path, body: str, head: str = HEAD, name: str = "backprop.py") -> Path:
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> None:
    yield
    assert live_processes() == []


# --- the drawn exercise ---------------------------------------------------------------------------


def test_the_canonical_exercise_is_the_notes_backward(backward: CodeExercise) -> None:
    assert backward.signature == "backward(W1, W2, X, y)"
    assert backward.outputs == ("dW1", "dW2")
    shapes = [(c.args[0].shape, c.args[2].shape[0]) for c in backward.cases]
    assert ((3, 2), 1) in shapes  # one example and a W1 that is not square
    assert len({s for s, _ in shapes}) == len(shapes)  # no two cases share W1's shape
    for case in backward.cases:
        W1, W2, X, y = case.args
        assert case.expected[0].shape == W1.shape and case.expected[1].shape == W2.shape
        assert y.shape == (X.shape[0],)


def test_the_expected_gradients_are_the_true_ones(backward: CodeExercise) -> None:
    """Against central differences of E = 1/(2L)·Σ(y − ŷ)², computed here by hand."""
    for case in backward.cases:
        W1, W2, X, y = case.args

        def E(W1: np.ndarray, W2: np.ndarray, X: np.ndarray = X, y: np.ndarray = y) -> float:
            y_hat = (1 / (1 + np.exp(-X @ W1.T))) @ W2[0]
            return 0.5 * float(np.mean((y - y_hat) ** 2))

        for k, W in enumerate((W1, W2)):
            numeric = np.zeros_like(W)
            for idx in np.ndindex(W.shape):
                up, down = W.copy(), W.copy()
                up[idx] += 1e-6
                down[idx] -= 1e-6
                args_up = (up, W2) if k == 0 else (W1, up)
                args_down = (down, W2) if k == 0 else (W1, down)
                numeric[idx] = (E(*args_up) - E(*args_down)) / 2e-6
            np.testing.assert_allclose(case.expected[k], numeric, rtol=1e-5, atol=1e-8)


def test_cases_differ_by_seed(lesson: Lesson) -> None:
    a = drawn(lesson, "backward", 1).code
    b = drawn(lesson, "backward", 2).code
    assert a is not None and b is not None
    assert not np.allclose(a.cases[0].args[0], b.cases[0].args[0])


# --- verdicts for code --------------------------------------------------------------------------


def test_the_right_backward_passes(samples: Path, backward: CodeExercise) -> None:
    verdict = backward.check(samples / "right.py")
    assert verdict.status == "correct", verdict.message
    assert verdict.message == "All 4 cases match the engine."


def test_the_reference_solution_passes_every_step(tmp_path: Path, lesson: Lesson) -> None:
    code_steps = [s for s in lesson.exercises if s.exercise.code is not None]
    assert len(code_steps) == 5  # the last step trains with them (test_code_train.py)
    for step in code_steps:
        inst = drawn(lesson, step.id, 3)
        assert inst.check(str(REFERENCE)).correct, step.id
        assert inst.solution.startswith(f"def {inst.code.function}(")


def test_each_sample_gets_its_verdict(
    samples: Path,
    sample_name: str,
    expected_verdict: tuple[str, str | None],
    backward: CodeExercise,
) -> None:
    """The right code, each declared mistake written as code, a syntax error, an exception, an
    endless loop, a lot of printing, a wrong shape."""
    sample = samples / sample_name
    status, mistake = expected_verdict
    if mistake == "timeout":  # the endless loop: no need to wait 5 s for it
        backward = dataclasses.replace(backward, limits=Limits(seconds=1.5))
    verdict = backward.check(sample)
    assert (verdict.status, verdict.mistake) == (status, mistake), verdict.message
    declared = [m.message for m in backward.cases[0].mistakes if m.name == mistake]
    if declared:
        assert declared[0] in verdict.message


def test_last_example_says_where_plus_equals_was_meant(
    samples: Path, backward: CodeExercise
) -> None:
    verdict = backward.check(samples / "last_example.py")
    assert "did you write `=` where `+=` was meant?" in verdict.message
    assert verdict.message.startswith("1 of 4 cases right.")  # L = 1 cannot show it


def line_of(path: Path, text: str) -> int:
    return path.read_text("utf-8").splitlines().index(text) + 1


def test_a_syntax_error_shows_the_line_and_a_caret(samples: Path, backward: CodeExercise) -> None:
    sample = samples / "syntax_error.py"
    verdict = backward.check(sample)
    lines = verdict.message.splitlines()
    line = line_of(sample, "def backward(W1, W2, X, y)")
    assert lines[0] == f"Your file has a syntax error (line {line}):"
    assert "    def backward(W1, W2, X, y)" in lines
    assert lines[lines.index("    def backward(W1, W2, X, y)") + 1].strip() == "^"
    assert lines[-1] == "SyntaxError: expected ':'"


def test_an_exception_shows_the_learners_lines(samples: Path, backward: CodeExercise) -> None:
    sample = samples / "exception.py"
    verdict = backward.check(sample)
    lines = verdict.message.splitlines()
    assert lines[0] == "backward raised an exception on case 1 of 4 (W1 3×2, W2 1×3, X 1×2, y 1):"
    line = line_of(sample, "    return D @ X / L, dW2")
    assert lines[1:4] == [
        "Traceback (most recent call last; your file only):",
        f'  File "{sample}", line {line}, in backward',
        "    return D @ X / L, dW2",
    ]
    assert lines[-1].startswith("ValueError: matmul")
    assert "code_child" not in verdict.message


def test_printing_a_lot_is_trimmed(samples: Path, backward: CodeExercise) -> None:
    verdict = backward.check(samples / "prints_a_lot.py")
    assert verdict.correct
    assert "printed 4,000 lines" in verdict.message
    verdict = backward.check(samples / "prints_and_wrong.py")
    assert not verdict.correct
    printed = verdict.message.split("Your code printed:\n", 1)[1].splitlines()
    assert printed[:2] == ["debug 0", "debug 1"]
    assert len(printed) <= 13 and "4,000 lines" in printed[-1]


def test_the_wrong_shape_says_expected_and_got(samples: Path, backward: CodeExercise) -> None:
    verdict = backward.check(samples / "wrong_shape.py")
    assert (
        "Your dW2 has the right numbers in the wrong shape: (3,) where it should be (1, 3), "
        "the shape of W2." in verdict.message
    )


def test_nan_says_so(tmp_path: Path, backward: CodeExercise) -> None:
    body = RIGHT.replace("return D.T @ X / L, dW2", "return D.T @ X / L * np.nan, dW2")
    verdict = backward.check(learner_file(tmp_path, body))
    assert verdict.mistake == "not-finite"
    assert "Your dW1 has NaN at dW1[0, 0]" in verdict.message


def test_returning_none(tmp_path: Path, backward: CodeExercise) -> None:
    body = RIGHT.replace("    return D.T @ X / L, dW2", "    dW1 = D.T @ X / L")
    verdict = backward.check(learner_file(tmp_path, body))
    assert verdict.mistake == "return"
    assert "backward returned None: did you forget `return dW1, dW2`?" in verdict.message


def test_hard_coding_the_first_case_fails_the_others(
    tmp_path: Path, backward: CodeExercise
) -> None:
    first = backward.cases[0].expected
    body = (
        "\ndef backward(W1, W2, X, y):\n"
        f"    return np.array({first[0].tolist()!r}), np.array({first[1].tolist()!r})\n"
    )
    verdict = backward.check(learner_file(tmp_path, body))
    assert verdict.status == "incorrect"
    assert verdict.message.startswith("1 of 4 cases right.\nCase 2 (W1 2×2, W2 1×2, X 4×2, y 4)")
    assert "where it should be (2, 2), the shape of W1" in verdict.message


def test_a_missing_function(tmp_path: Path, backward: CodeExercise) -> None:
    verdict = backward.check(learner_file(tmp_path, RIGHT.replace("def backward", "def backwards")))
    assert verdict.status == "invalid" and verdict.mistake == "missing-function"
    assert "no function backward(W1, W2, X, y)" in verdict.message


def test_no_file(tmp_path: Path, backward: CodeExercise) -> None:
    verdict = backward.check(tmp_path / "nowhere.py")
    assert verdict.status == "invalid" and str(tmp_path / "nowhere.py") in verdict.message


# --- the finite-difference check against the learner's own cost ---------------------------------


def test_a_backward_that_disagrees_with_the_learners_cost(
    tmp_path: Path, backward: CodeExercise
) -> None:
    """No declared mistake: the finite-difference check says where the two part."""
    body = RIGHT.replace("* A * (1 - A)", "* A * (1 - A) * 1.5")
    verdict = backward.check(learner_file(tmp_path, body))
    assert verdict.status == "incorrect" and verdict.mistake == "factor"
    assert "Your backward does not match your cost at W1[" in verdict.message


def test_a_backward_that_agrees_with_a_wrong_cost(tmp_path: Path, backward: CodeExercise) -> None:
    """Both off by the same factor: the cost is the culprit, and the message says so."""
    head = HEAD.replace("return 0.5 * np.mean", "return np.mean")
    body = RIGHT.replace("e = y_hat - y", "e = 2 * (y_hat - y)")
    verdict = backward.check(learner_file(tmp_path, body, head=head))
    assert verdict.status == "incorrect"
    assert "agree with finite differences of your own cost" in verdict.message
    assert "Check cost first." in verdict.message


def test_a_right_backward_with_a_wrong_cost(tmp_path: Path, backward: CodeExercise) -> None:
    head = HEAD.replace("return 0.5 * np.mean", "return np.mean")
    verdict = backward.check(learner_file(tmp_path, RIGHT, head=head))
    assert verdict.correct
    assert "(But your cost does not agree with it:" in verdict.message


# --- the other steps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step_id", "body", "mistake", "says"),
    [
        pytest.param(
            "forward",
            "\ndef forward(W1, W2, X):\n"
            "    Z = X @ W1.T\n"
            "    A = 1 / (1 + np.exp(-Z))\n"
            "    return Z, A, A @ W2.T\n",
            "shape",
            "Your y_hat has the right numbers in the wrong shape: (1, 1) where it should be (1,)",
            id="forward-with-a-column-y-hat",
        ),
        pytest.param(
            "cost",
            "\ndef cost(W1, W2, X, y):\n"
            "    A = 1 / (1 + np.exp(-X @ W1.T))\n"
            "    return 0.5 * np.mean((y - A @ W2.T) ** 2)\n",
            "broadcast",
            "L×L matrix",
            id="cost-with-a-broadcast-column",
        ),
    ],
)
def test_a_column_where_a_vector_belongs_is_named(
    tmp_path: Path, lesson: Lesson, step_id: str, body: str, mistake: str, says: str
) -> None:
    inst = drawn(lesson, step_id)
    verdict = inst.check(str(learner_file(tmp_path, body, head="import numpy as np\n")))
    assert verdict.mistake == mistake, verdict.message
    assert says in verdict.message


# --- pure grading ---------------------------------------------------------------------------------


def test_grading_is_pure(backward: CodeExercise) -> None:
    """A run built by hand: the transposed dW1 (another shape in case 1) is named."""
    results = []
    for case in backward.cases:
        dW1, dW2 = case.expected
        results.append(CallResult(values=(dW1.T.copy(), dW2)))
    verdict = backward.grade(Run(results=tuple(results)))
    assert verdict.mistake == "transposed"
    right = backward.grade(
        Run(results=tuple(CallResult(values=c.expected) for c in backward.cases))
    )
    assert right.correct


# --- the work file --------------------------------------------------------------------------------


def test_the_starter_file_holds_every_function_of_the_lesson(lesson: Lesson) -> None:
    text = starter_text(lesson, "backprop.py")
    compile(text, "backprop.py", "exec")
    for name in ("forward", "cost", "grad_W2", "backward", "gd_step"):
        assert f"\ndef {name}(" in text
    assert "bptutor code check backprop-code/backward backprop.py" in text
    assert text.index("def forward(") < text.index("def backward(")


def test_the_starter_fails_the_step(tmp_path: Path, lesson: Lesson, backward: CodeExercise) -> None:
    path = tmp_path / "backprop.py"
    write_starter(path, starter_text(lesson, "backprop.py"))
    verdict = backward.check(path)
    assert verdict.status == "incorrect"


def test_the_starter_is_written_once(tmp_path: Path, lesson: Lesson) -> None:
    step = lesson.step("backward")
    assert step is not None and step.exercise is not None and step.exercise.code is not None
    path = work_path(tmp_path / "work", lesson, step.exercise.code)
    assert path == (tmp_path / "work" / "backprop-code" / "backprop.py").absolute()
    assert write_starter(path, "first\n")
    path.write_text("the learner's edits\n", encoding="utf-8")
    assert not write_starter(path, "first\n")
    assert path.read_text(encoding="utf-8") == "the learner's edits\n"
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_the_default_work_dir_is_under_the_data_dir(tmp_path: Path) -> None:
    assert default_work_dir(tmp_path) == tmp_path / "code"
