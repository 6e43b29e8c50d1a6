# Package marker only, so that importlib.resources can find the built-in course.
# The course itself is data: index.toml and one TOML file per lesson (see README.md here).
