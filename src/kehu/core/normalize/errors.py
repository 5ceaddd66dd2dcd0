class InvalidValue(ValueError):
    """A value that cannot be normalised; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message
