"""The sections of VALIDATION.md (``tools/validate.py`` runs them): ``simulated`` (landmarks,
no video), ``rendered`` (rendered clips through MediaPipe), ``real`` (real clips), ``limiter``
(the verdict); ``common`` scores a run against its truth."""
