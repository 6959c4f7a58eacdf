"""Rendering of the monthly report: the HTML page with its SVG charts, and the Excel export."""
