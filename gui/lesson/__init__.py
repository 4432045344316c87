"""The lesson explorer: the lecture, step by step, on the visitor's own digit (see :class:`LessonPanel`)."""

from convlens.gui.lesson.panel import LessonPanel

__all__ = ["LessonPanel"]
