"""Starting and stopping Ray for a sharded index.

With no address, Ray is started in this process on loopback (``127.0.0.1``, no dashboard),
with ``num_cpus`` CPUs (default: all); with an address (``"auto"``, ``"ray://host:10001"``,
``"host:6379"``) this process joins that cluster. Only what was started here is shut down.
A Ray already initialised in the process (by the application) is used as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RayRuntime", "require_ray"]


def require_ray() -> Any:
    """The ``ray`` module, or :class:`~newsearch.errors.MissingExtraError` saying how to
    install it."""
    from ..extras import require

    require("cluster", "a sharded index")
    import ray

    return ray


class RayRuntime:
    """Ray for the lifetime of this object (``with RayRuntime(...):`` or :meth:`shutdown`)."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        import os

        ray = require_ray()
        address = address or os.environ.get("RAY_ADDRESS") or None
        self.started = False
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=num_cpus,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    log_to_driver=False,
                )
            self.started = True

    def shutdown(self) -> None:
        """Stop Ray if this object started it."""
        if self.started:
            require_ray().shutdown()
            self.started = False

    def __enter__(self) -> RayRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
