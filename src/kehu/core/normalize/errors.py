class InvalidValue(ValueError):
    """A value that cannot be normalised.

    ``code`` is stable and machine-readable; ``message`` is for people and is translated
    only when read, so raising costs nothing on hot paths (matching, bulk import).
    """

    def __init__(self, code: str, template, **params):
        super().__init__(code)
        self.code = code
        self.template = template
        self.params = params

    @property
    def message(self) -> str:
        return str(self.template) % self.params if self.params else str(self.template)

    def __str__(self) -> str:
        return self.message
