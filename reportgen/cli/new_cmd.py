"""``reportgen new``: placeholder until the input skeleton lands."""
