"""Import candidates from a CSV file: decode, read, map columns, validate rows, apply, report.

The modules from `decoding` to `validation` and `report` are pure (bytes and text in, plain values
out, no ORM); `index` reads the workspace once, `bulk` and `apply` write. The import job itself (upload,
progress, per-row results) lives in apps/imports.
"""
