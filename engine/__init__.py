"""bptutor's engine: everything a lesson can ask, computable and testable without a UI.

Three rooms, each with one job (the arrows point one way: ``answers`` and ``nn`` import nothing
of ours outside themselves, ``course`` uses both):

- ``bptutor.engine.nn``: the notes' network, training, data sets, finite differences (numpy);
- ``bptutor.engine.answers``: the language learners type: parse, print, grade;
- ``bptutor.engine.course``: the course model: lesson files, drawn exercises, author checks,
  the learner's progress.

Nothing here imports Textual, prints, or reads the terminal.
"""
