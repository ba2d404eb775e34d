"""The one exception every stage raises for input it cannot accept."""


class InputError(Exception):
  """Input that cannot become an item.

  ``reason`` is a short machine-readable code (it becomes the dead letter's
  ``reason`` and a metric name); the message says what was wrong for humans.
  """
  def __init__(self, reason: str, message: str):
    super().__init__(message)
    self.reason = reason
