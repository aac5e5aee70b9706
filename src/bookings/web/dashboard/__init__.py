"""The business dashboard (``/dashboard``): signed-in pages over the same slice functions as
the API. :mod:`.session` signs people in and out and guards every page and form."""
