"""`bptutor code list | start | check`: the learner's files through the command line, with the
exit codes scripts rely on (0 right, 1 wrong, 2 cannot run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bptutor.engine.course.coderun import live_processes
from bptutor.engine.course.exercise import draw
from bptutor.engine.course.loader import load_course
from bptutor.tui.cli import main

STEP = "backprop-code/backward"
EXIT = {"correct": 0, "incorrect": 1, "invalid": 2}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("BPTUTOR_DATA_DIR", str(tmp_path / "data"))

    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    yield _run
    assert live_processes() == []


def test_list_shows_the_canonical_exercise(run: Any) -> None:
    code, out, _ = run("code", "list")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith(STEP + " "))
    assert "backward(W1, W2, X, y) -> dW1, dW2" in line
    assert "forward(W1, W2, X) -> Z, A, y_hat" in out


def test_start_writes_the_starter_once_and_prints_its_path(run: Any, tmp_path: Path) -> None:
    code, out, err = run("code", "start", STEP)
    path = Path(out.strip())
    assert code == 0 and path == tmp_path / "data" / "code" / "backprop-code" / "backprop.py"
    assert "Wrote the starter file" in err
    assert "def backward(W1, W2, X, y):" in path.read_text("utf-8")
    path.write_text("mine\n", encoding="utf-8")
    code, out, err = run("code", "start", STEP)
    assert code == 0 and Path(out.strip()) == path and "left as it is" in err
    assert path.read_text("utf-8") == "mine\n"


def test_start_in_a_folder_of_your_choice(run: Any, tmp_path: Path) -> None:
    code, out, _ = run("code", "start", STEP, "--dir", str(tmp_path / "here"))
    assert code == 0 and Path(out.strip()) == tmp_path / "here" / "backprop.py"
    code, out, _ = run("--work-dir", str(tmp_path / "work"), "code", "start", STEP)
    assert Path(out.strip()) == tmp_path / "work" / "backprop-code" / "backprop.py"


def test_the_fresh_starter_is_wrong_not_broken(run: Any) -> None:
    _, out, _ = run("code", "start", STEP)
    code, out, _ = run("code", "check", STEP, out.strip(), "--seed", "7")
    assert code == 1 and out.startswith("✗ Not quite. ")


def test_each_sample_gets_its_verdict_and_exit_code(
    run: Any, samples: Path, sample_name: str, expected_verdict: tuple[str, str | None]
) -> None:
    status, mistake = expected_verdict
    code, out, _ = run("code", "check", STEP, str(samples / sample_name), "--seed", "7")
    assert code == EXIT[status], out
    prefix = {
        "correct": "✓ Right.",
        "incorrect": "✗ Not quite.",
        "invalid": "? Your code could not run.",
    }
    assert out.startswith(prefix[status])
    if mistake == "timeout":
        assert "ran for more than 5 s" in out
    if mistake == "syntax-error":
        assert "^" in out and "SyntaxError" in out


def test_a_hard_coded_answer_passes_one_case_only(run: Any, tmp_path: Path) -> None:
    course = load_course()
    lesson = course.lesson("backprop-code")
    inst = draw(lesson, lesson.step("backward"), 7)
    dW1, dW2 = inst.code.cases[0].expected
    path = tmp_path / "hard.py"
    path.write_text(
        "import numpy as np\n\n"
        "def backward(W1, W2, X, y):\n"
        f"    return np.array({dW1.tolist()!r}), np.array({dW2.tolist()!r})\n",
        encoding="utf-8",
    )
    code, out, _ = run("code", "check", STEP, str(path), "--seed", "7")
    assert code == 1
    assert "1 of 4 cases right." in out


def test_the_seed_defaults_to_the_learners(samples: Path, run: Any, tmp_path: Path) -> None:
    code, _, _ = run("code", "check", STEP, str(samples / "right.py"))
    assert code == 0 and (tmp_path / "data" / "progress.json").is_file()


def test_unknown_steps_and_files(run: Any, tmp_path: Path) -> None:
    code, _, err = run("code", "check", "backprop-code/nothing", "x.py")
    assert code == 2 and "is not a code exercise" in err and STEP in err
    code, _, err = run("code", "start", "derivatives/power-rule")
    assert code == 2
    code, out, _ = run("code", "check", STEP, str(tmp_path / "missing.py"), "--seed", "1")
    assert code == 2 and "There is no file" in out


# --- bptutor code train -------------------------------------------------------------------------


def test_train_with_the_right_backward_matches(run: Any) -> None:
    reference = Path(__file__).resolve().parents[1] / "lessons" / "solutions" / "backprop.py"
    code, out, err = run("code", "train", str(reference), "--epochs", "300", "--every", "100")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("Training XOR 2-2-1 (sigmoid, no biases, learning rate 1, 300")
    rows = [line.split() for line in lines[2:6]]
    assert [r[0] for r in rows] == ["1", "100", "200", "300"]
    assert all(r[1] == r[2] for r in rows)  # the same loss, to every digit printed
    assert lines[-1].startswith("✓ Matched. Your backward trained the network for 300 epochs")


def test_train_with_a_missing_one_over_L_says_where_they_part(run: Any, samples: Path) -> None:
    code, out, _ = run("code", "train", str(samples / "no_mean.py"), "--epochs", "50")
    assert code == 1
    part = next(line for line in out.splitlines() if "<- they part here" in line)
    assert part.split()[0] == "2"
    assert "✗ They part. Your loss parts from the engine's at epoch 2" in out


def test_train_with_code_that_cannot_run_exits_2(run: Any, samples: Path) -> None:
    code, out, _ = run("code", "train", str(samples / "exception.py"), "--epochs", "50")
    assert code == 2
    assert "? Your code could not train. Your backward raised an exception at epoch 1" in out
    assert "Training stopped after 0 epochs." in out


def test_train_defaults_to_the_file_in_the_work_folder(run: Any, tmp_path: Path) -> None:
    code, out, _ = run("code", "start", STEP)  # the starter: zeros for gradients
    assert code == 0
    code, out, err = run("code", "train", "--epochs", "20")
    assert code == 1, out + err
    assert str(tmp_path / "data" / "code" / "backprop-code" / "backprop.py") in out
    assert "at epoch 2" in out


def test_train_refuses_bad_options(run: Any) -> None:
    code, _, err = run("code", "train", "--epochs", "0")
    assert code == 2 and "--epochs must be at least 1" in err
    code, _, err = run("code", "train", "--step", "backprop-code/backward")
    assert code == 2 and "those steps: backprop-code/train-xor" in err
