"""A drawn step: one step of a lesson as one learner sees it, and grading by its kind.

`draw(lesson, step, seed)` draws the parameters (params.py), fills in the prose (templates.py),
computes the expected answer and the declared mistakes with the engine (quantities), and returns
a `DrawnStep` whose `check(answer)` hands the learner's text to the answer language
(`bptutor.engine.answers.grading`) with the expected value as a tree or numbers: no printing
and re-parsing on the way. Everything is deterministic for (seed, lesson id, step id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bptutor.engine.answers.expr import Expr, tidy
from bptutor.engine.answers.grading import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    Mistake,
    Preview,
    Verdict,
    check_array,
    check_expression,
    check_number,
    preview,
)
from bptutor.engine.course.calls import OnCall
from bptutor.engine.course.code_exercise import CodeExercise, draw_code, reference_solution
from bptutor.engine.course.code_train import notes_network_problem
from bptutor.engine.course.graph import Graph, GraphNode, grade_backward, graph_listing, graph_slips
from bptutor.engine.course.model import (
    LETTERS,
    ExerciseError,
    ExerciseSpec,
    GradientsSpec,
    Lesson,
    Step,
)
from bptutor.engine.course.params import (
    canonical_names,
    compute,
    computed_numbers,
    parse_expr,
    rng_for,
    step_env,
    variant_parts,
)
from bptutor.engine.course.quantities import Value
from bptutor.engine.course.templates import (
    interpolate,
    interpolate_expr,
    plain_answer,
    plain_array,
    plain_number,
)
from bptutor.engine.nn.training import TrainConfig

__all__ = ["ANSWER_KINDS", "DrawnStep", "Expected", "draw", "fresh_variant", "has_variants"]

ANSWER_KINDS = ("derivative", "expression", "value", "vector", "matrix", "graph")
"""Kinds answered by typing (the others: a choice, a training run, or prose only)."""

Expected = Expr | float | np.ndarray | int
"""An expression (derivative, expression), a number, an array, or the right choice's index."""

_DEFAULT_PROMPTS = {
    "derivative": "∂/∂{wrt} =",
    "expression": "Expression:",
    "value": "Value:",
    "vector": "Vector:",
    "matrix": "Matrix:",
    "choice": "Your choice:",
    "train": "",
    "code": "",
}


@dataclass(frozen=True)
class DrawnStep:
    """One step as one learner sees it. `check` and `preview` never raise."""

    lesson_id: str
    step_id: str
    seed: int
    title: str
    text: str
    kind: str | None
    prompt: str
    variables: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    expected_shape: tuple[int, ...] | None = None
    hints: tuple[str, ...] = ()
    explanation: str = ""
    solution: str = ""
    train_config: TrainConfig | None = None
    gradients: GradientsSpec | None = None  # train: with the learner's backward (code_train.py)
    expected: Expected | None = None
    mistakes: tuple[Mistake, ...] = ()
    feedback: tuple[str, ...] = ()
    choice_order: tuple[int, ...] = ()  # choices[k] is option choice_order[k] of the file
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    integer: bool = False  # value: a count, right only as the exact whole number
    params: Mapping[str, Value] = field(default_factory=dict)
    graph: Graph | None = None  # graph: the graph, its input values and the asked names
    graph_values: Mapping[str, float] = field(default_factory=dict)
    asked: tuple[str, ...] = ()
    variant: int = 0  # 0: the learner's own numbers; 1, 2, ...: "another one like this"

    def same_numbers(self, other: DrawnStep) -> bool:
        """Whether the learner would see nothing new in `other`: the same text, prompt and
        expected answer, and the same options in any order (a reshuffle is no new question)."""
        if self.kind != "choice" and not _same_expected(self.expected, other.expected):
            return False
        return (self.text, self.prompt, sorted(self.choices)) == (
            other.text,
            other.prompt,
            sorted(other.choices),
        )

    code: CodeExercise | None = None  # code: the cases and the grading (code_grading.py)

    def check(self, answer: str) -> Verdict:
        """Grade an answer by the step's kind (for code: the path of the learner's file, run
        in a child process; this blocks for up to the step's time limit)."""
        expected = self.expected
        if self.kind == "graph":
            assert self.graph is not None
            return grade_backward(
                answer,
                self.graph,
                self.asked,
                self.graph_values,
                rtol=self.rtol,
                atol=self.atol,
                mistakes=self.mistakes,
            )
        if self.kind == "code":
            assert self.code is not None
            return self.code.check(answer)
        if self.kind in ("derivative", "expression"):
            assert isinstance(expected, Expr)
            return check_expression(answer, expected, self.variables, mistakes=self.mistakes)
        if self.kind == "value":
            assert isinstance(expected, float)
            return check_number(
                answer,
                expected,
                rtol=self.rtol,
                atol=self.atol,
                mistakes=self.mistakes,
                integer=self.integer,
            )
        if self.kind in ("vector", "matrix"):
            return check_array(
                answer, expected, rtol=self.rtol, atol=self.atol, mistakes=self.mistakes
            )
        if self.kind == "choice":
            return self._check_choice(answer)
        if self.kind == "train":
            return Verdict(status="correct", message="Open the training view and watch it learn.")
        return Verdict(status="invalid", message="This step has no exercise.")

    def preview(self, answer: str) -> Preview:
        """How the answer is read so far (never graded)."""
        if self.kind in ("derivative", "expression"):
            return preview(answer, kind="expression", variables=self.variables)
        if self.kind == "value":
            return preview(answer, kind="number")
        if self.kind in ("vector", "matrix", "graph"):
            return preview(answer, kind="array")
        if self.kind == "choice":
            index = self._choice_index(answer)
            if index is None:
                return Preview(problem=self._choice_help())
            return Preview(read_as=self._option(index))
        return Preview(problem="Nothing to type here.")

    def _check_choice(self, answer: str) -> Verdict:
        index = self._choice_index(answer)
        if index is None:
            return Verdict(status="invalid", message=self._choice_help())
        said = self.feedback[index] if self.feedback else ""
        if index == self.expected:
            return Verdict(status="correct", message=said, read_as=self._option(index))
        return Verdict(
            status="incorrect",
            message=said or f"Option {LETTERS[index]} does not hold: read the options again.",
            read_as=self._option(index),
        )

    def _option(self, index: int) -> str:
        return f"{LETTERS[index]}) {self.choices[index]}"

    def _choice_index(self, answer: str) -> int | None:
        text = answer.strip().lower().rstrip(").").lstrip("(")
        n = len(self.choices)
        if len(text) == 1 and text in LETTERS[:n]:
            return LETTERS.index(text)
        if text.isdigit() and 1 <= int(text) <= n:
            return int(text) - 1
        return None

    def _choice_help(self) -> str:
        n = len(self.choices)
        return f"Answer with a letter a–{LETTERS[n - 1]} or a number 1–{n}."


def _same_expected(a: Expected | None, b: Expected | None) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    if isinstance(a, Expr) and isinstance(b, Expr):
        return a.to_plain() == b.to_plain()
    return a == b


def has_variants(lesson: Lesson, step: Step, seed: int, tries: int = 8) -> bool:
    """Whether "another one like this" shows new numbers for this step: a step whose numbers
    are all fixed (no draws, or draws it never shows) says so instead of pretending."""
    first = draw(lesson, step, seed)
    return any(
        not first.same_numbers(draw(lesson, step, seed, variant=v)) for v in range(1, tries + 1)
    )


def fresh_variant(
    lesson: Lesson, step: Step, seed: int, start: int, *, unlike: int = 0, tries: int = 8
) -> int:
    """The first variant from `start` on whose numbers differ from the learner's own and from
    variant `unlike` (the one on screen): a small draw range may repeat a variant's numbers,
    and "new numbers" must be new. With only two sets of numbers to draw from, one unlike the
    screen's; `start` itself when all are the same (fixed numbers)."""
    candidates = [(v, draw(lesson, step, seed, variant=v)) for v in range(start, start + tries)]
    on_screen = draw(lesson, step, seed, variant=unlike)
    own = draw(lesson, step, seed)
    for avoid in ((own, on_screen), (on_screen,)):
        for variant, candidate in candidates:
            if not any(candidate.same_numbers(other) for other in avoid):
                return variant
    return start


# --- drawing ------------------------------------------------------------------------------------


def draw(
    lesson: Lesson,
    step: Step,
    seed: int,
    *,
    variant: int = 0,
    on_call: OnCall | None = None,
) -> DrawnStep:
    """The step for one learner; raises ExerciseError (a ValueError) naming the key at fault.

    `variant` > 0 draws fresh numbers for the same learner ("another one like this"),
    reproducibly: (seed, variant) always gives the same step. `on_call(name, args, kwargs,
    value)` sees every computation made for the expected answer (`lessons check` compares
    derivative quantities with finite differences there).
    """
    env = step_env(lesson, step, seed, variant)
    base: dict[str, Any] = {
        "lesson_id": lesson.id,
        "step_id": step.id,
        "seed": seed,
        "variant": variant,
        "title": step.title,
        "text": interpolate(step.text, env, "text"),
        "hints": tuple(interpolate(h, env, f"hints[{i}]") for i, h in enumerate(step.hints, 1)),
        "params": dict(env),
    }
    ex = step.exercise
    if ex is None:
        explanation = interpolate(step.explanation, env, "explanation")
        return DrawnStep(kind=None, prompt="", explanation=explanation, **base)
    if ex.kind == "choice":
        order = rng_for(seed, lesson.id, step.id, "choice-order", *variant_parts(variant))
        fields, shown = _choice_fields(ex, env, order)
    elif ex.kind == "train":
        config = _train_config(ex.train)
        if ex.gradients is not None:
            problem = notes_network_problem(config)
            if problem is not None:
                raise ExerciseError(
                    f"exercise.{problem}: a step with gradients trains the learner's backward"
                )
        fields, shown = {"train_config": config, "gradients": ex.gradients}, ""
    elif ex.kind == "code":
        assert ex.code is not None
        code = draw_code(
            lesson, step, seed, env, ex.code, rtol=ex.rtol, atol=ex.atol, on_call=on_call
        )
        fields, shown = {"code": code, "solution": reference_solution(code)}, ""
    elif ex.kind in ("derivative", "expression"):
        fields, shown = _expression_fields(ex, env)
    elif ex.kind == "graph":
        fields, shown = _graph_fields(ex, env)
        base["text"] = base["text"].rstrip() + "\n\n```\n" + fields.pop("listing") + "\n```"
    else:
        fields, shown = _numeric_fields(ex, env, on_call)
    explanation = interpolate(step.explanation, {**env, "answer": shown}, "explanation")
    default_prompt = fields.pop("prompt_default", _DEFAULT_PROMPTS.get(ex.kind, ""))
    prompt_text = ex.prompt if ex.prompt is not None else default_prompt
    prompt = interpolate(prompt_text, {**env, "wrt": ex.wrt or ""}, "exercise.prompt")
    return DrawnStep(kind=ex.kind, prompt=prompt, explanation=explanation, **base, **fields)


def _choice_fields(
    ex: ExerciseSpec, env: dict[str, Value], order_rng: np.random.Generator
) -> tuple[dict[str, Any], str]:
    options = tuple(
        interpolate(o, env, f"exercise.options[{i}]") for i, o in enumerate(ex.options, 1)
    )
    feedback = tuple(
        interpolate(f, env, f"exercise.feedback[{i}]") for i, f in enumerate(ex.feedback, 1)
    )
    assert ex.correct is not None
    # each learner sees the options in their own order, so the letter of the right one tells
    # nothing; options, feedback and the right index move together
    n = len(options)
    order = tuple(int(i) for i in order_rng.permutation(n)) if ex.shuffle else tuple(range(n))
    right = order.index(ex.correct)
    options = tuple(options[i] for i in order)
    if feedback:
        feedback = tuple(feedback[i] for i in order)
    fields = {
        "choices": options,
        "feedback": feedback,
        "choice_order": order,
        "expected": right,
        "solution": LETTERS[right],
    }
    return fields, f"{LETTERS[right]}) {options[right]}"


def _mistake_messages(ex: ExerciseSpec, env: dict[str, Value]) -> list[str]:
    return [
        interpolate(m.message, env, f'exercise.mistakes[{i}].message ("{m.name}")')
        for i, m in enumerate(ex.mistakes, 1)
    ]


def _expression_fields(ex: ExerciseSpec, env: dict[str, Value]) -> tuple[dict[str, Any], Expr]:
    if ex.kind == "derivative":
        assert ex.function is not None and ex.wrt is not None
        f_text = interpolate_expr(ex.function, env, "exercise.function")
        function = parse_expr(f_text, ex.variables, "exercise.function")
        variables = ex.variables or tuple(sorted(function.free_variables()))
        wrt = canonical_names([ex.wrt])[0]
        if wrt not in canonical_names(variables):
            raise ExerciseError(
                f'exercise.wrt "{ex.wrt}" is not a variable of the function {list(variables)}'
            )
        expected = function.diff(wrt)
    else:
        assert ex.answer is not None and ex.variables is not None
        a_text = interpolate_expr(ex.answer, env, "exercise.answer")
        expected = parse_expr(a_text, ex.variables, "exercise.answer")
        variables = ex.variables
        if not expected.free_variables():
            raise ExerciseError(
                f'exercise.answer = "{ex.answer}" has no variable: it is a number, so use '
                "a value exercise with a computation"
            )
    mistakes = []
    for i, (m, message) in enumerate(zip(ex.mistakes, _mistake_messages(ex, env), strict=True), 1):
        key = f"exercise.mistakes[{i}].answer"
        m_expr = parse_expr(interpolate_expr(m.answer, env, key), variables, key)
        mistakes.append(Mistake(name=m.name, expected=m_expr, message=message))
    fields = {
        "variables": canonical_names(variables),
        "expected": expected,
        "mistakes": tuple(mistakes),
        "solution": tidy(expected).to_plain(),
    }
    return fields, expected


def _graph_fields(ex: ExerciseSpec, env: dict[str, Value]) -> tuple[dict[str, Any], np.ndarray]:
    """The graph built from its definition, its forward values and the backward pass."""
    inputs: dict[str, float] = {}
    for name in ex.inputs:
        if name not in env:
            raise ExerciseError(f'exercise.inputs: "{name}" is not a parameter defined above')
        value = computed_numbers(env[name], "exercise.inputs", name)
        if value.size != 1:
            raise ExerciseError(f'exercise.inputs: "{name}" must be a single number')
        inputs[name] = float(value.reshape(()))
    nodes: list[GraphNode] = []
    known = list(ex.inputs)
    for i, (name, text) in enumerate(ex.nodes, 1):
        key = f"exercise.nodes[{i}]"
        expr = parse_expr(interpolate_expr(text, env, key), known, key)
        nodes.append(GraphNode(name, expr, tidy(expr).to_unicode()))
        known.append(name)
    graph = Graph(tuple(ex.inputs), tuple(nodes))
    values = graph.forward(inputs)
    if not all(np.isfinite(v) for v in values.values()):
        raise ExerciseError("exercise.nodes: a node is not finite for these parameters")
    asked = ex.ask or graph.backward_order()
    grads = graph.backward(values)
    expected = np.array([grads[name] for name in asked])
    rtol = DEFAULT_RTOL if ex.rtol is None else ex.rtol
    atol = DEFAULT_ATOL if ex.atol is None else ex.atol
    fields = {
        "graph": graph,
        "graph_values": values,
        "asked": tuple(asked),
        "expected": expected,
        "expected_shape": expected.shape,
        # the lesson's own, then the slips the graph implies (one node off each)
        "mistakes": _declared_mistakes(ex, env, expected)
        + graph_slips(graph, tuple(asked), values, rtol, atol),
        "solution": plain_array(expected),
        "rtol": rtol,
        "atol": atol,
        "listing": graph_listing(graph, values),
        "prompt_default": f"∂{graph.output}/∂({', '.join(asked)}) =",
    }
    return fields, expected


def _numeric_fields(
    ex: ExerciseSpec, env: dict[str, Value], on_call: OnCall | None
) -> tuple[dict[str, Any], float | np.ndarray]:
    """value / vector / matrix: the engine's numbers, checked for kind and shape."""
    assert ex.call is not None
    expected = _numeric(compute(ex.call, env, "exercise.answer", ex.answer, on_call), ex.kind)
    if ex.integer and (not isinstance(expected, float) or expected != round(expected)):
        raise ExerciseError(
            f'exercise.integer is true but the engine\'s answer "{ex.answer}" is '
            f"{plain_answer(expected)}, not a whole number"
        )
    if isinstance(expected, np.ndarray) and ex.shape is not None and expected.shape != ex.shape:
        raise ExerciseError(
            f"exercise.shape is {list(ex.shape)} but the engine's answer "
            f'"{ex.answer}" has shape {list(expected.shape)}'
        )
    is_array = isinstance(expected, np.ndarray)
    fields = {
        "expected": expected,
        "expected_shape": expected.shape if is_array else None,
        "mistakes": _declared_mistakes(ex, env, expected),
        "solution": plain_array(expected) if is_array else plain_number(expected),
        "rtol": DEFAULT_RTOL if ex.rtol is None else ex.rtol,
        "atol": DEFAULT_ATOL if ex.atol is None else ex.atol,
        "integer": ex.integer,
    }
    return fields, expected


def _declared_mistakes(
    ex: ExerciseSpec, env: dict[str, Value], expected: float | np.ndarray
) -> tuple[Mistake, ...]:
    """The lesson's declared mistakes, computed (`answer` names the engine's answer)."""
    mistakes = []
    menv = {**env, "answer": expected}
    for i, (m, message) in enumerate(zip(ex.mistakes, _mistake_messages(ex, env), strict=True), 1):
        key = f"exercise.mistakes[{i}].answer"
        assert m.call is not None
        value: float | np.ndarray = computed_numbers(
            compute(m.call, menv, key, m.answer, None), key, m.answer
        )
        if ex.kind == "value":
            if value.size != 1:
                raise ExerciseError(f'{key} = "{m.answer}" must be a single number')
            value = float(value.reshape(()))
        elif ex.kind == "graph" and value.shape != np.shape(expected):
            raise ExerciseError(
                f'{key} = "{m.answer}" must be a vector of {np.size(expected)} numbers, one per '
                "asked node, like the answer"
            )
        mistakes.append(Mistake(name=m.name, expected=value, message=message))
    return tuple(mistakes)


def _numeric(value: Value, kind: str) -> float | np.ndarray:
    arr = computed_numbers(value, "exercise.answer", "")
    want = {"value": 0, "vector": 1, "matrix": 2}[kind]
    if kind == "value" and arr.size == 1:
        return float(arr.reshape(()))
    if arr.ndim != want:
        what = {0: "a single number", 1: "a vector (1-d)", 2: "a matrix (2-d)"}[want]
        hint = ""
        if kind == "vector" and arr.ndim == 2 and 1 in arr.shape:
            hint = " (flatten(...) turns a one-row matrix into a vector)"
        raise ExerciseError(
            f"exercise.kind is {kind} but the engine's answer has shape {list(arr.shape)}, "
            f"not {what}{hint}"
        )
    return arr


def _train_config(train: Mapping[str, Any]) -> TrainConfig:
    """TrainConfig is the one validator of training options; its message names the field."""
    kwargs = dict(train)
    if kwargs.get("batch_size") == 0:
        kwargs["batch_size"] = None
    if "learning_rate" in kwargs:
        kwargs["learning_rate"] = float(kwargs["learning_rate"])
    try:
        return TrainConfig(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ExerciseError(f"exercise.{exc}") from None
