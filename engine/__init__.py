"""The numpy core of bptutor: the notes' network, answer checking, exercises and the course.

Pure Python + numpy. Never imports textual, never prints, never reads the terminal.
"""
