"""The one exception type that the CLI turns into a one-line message and a non-zero exit."""


class UserError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""

    exit_code = 2
