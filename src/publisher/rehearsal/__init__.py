"""Rehearsals (`publisher rehearse`): the real queue and adapters against
the local sandbox on a virtual clock."""
