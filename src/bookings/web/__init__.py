"""The server's own web pages (issue 16): the landing page, the customer booking page and the
business dashboard, rendered on the server with Jinja2 (htmx where a part of a page is
swapped), with no build step. Pages call the same slice functions as the API (their
``service`` and ``ports``), so a page never answers differently from the API."""
