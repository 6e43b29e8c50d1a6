"""The course model: lesson files and their loader, the computation language lesson files use,
seeded drawing, templates, drawn steps, author checks (``lessons check``) and the learner's
progress. Uses ``bptutor.engine.nn`` and ``bptutor.engine.answers``; never Textual."""
