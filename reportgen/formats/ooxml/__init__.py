"""The low-level Office Open XML layer: namespaces, table grids, structural checks, packages."""
