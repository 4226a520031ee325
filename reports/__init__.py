"""What a workshop turns into: the heat-map analysis, customer feedback and its gaps, the
current vs future comparison, and the PDF, JSON and CSV exports and imports.

Above both apps: it may import maps and workshops; nothing imports it but the URLs."""
