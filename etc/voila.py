"""Voilà settings of the slaplan dashboards: `make present`, the browser tests, the screenshots.

Voilà reads this file when started with ``--Voila.config_file_paths=etc`` (the Makefile and
``slaplan.present.voila.start_voila`` do). Command-line settings win over it.
"""

from slaplan.present.voila_page import prelaunch_hook

c = get_config()  # noqa: F821 (traitlets provides get_config to a config file)

# The page is the dashboard: only the cells tagged "dashboard" (and "parameters") run, so every
# number on the page answers to the widgets. The hook also sets the XSRF cookie that Voilà's
# close-tab shutdown request needs (without it every closed tab left its kernel running).
c.VoilaConfiguration.prelaunch_hook = prelaunch_hook

# Kernels end with their page. Closing a tab shuts its kernel at once (Voilà's beforeunload
# request). A page that vanished without it (browser crash, laptop asleep, network gone) leaves a
# kernel without connections: it is culled after 2 idle minutes. A page still open keeps its
# kernel for the whole meeting (connected kernels are never culled).
c.MappingKernelManager.cull_idle_timeout = 120  # seconds idle without a connection
c.MappingKernelManager.cull_interval = 30  # seconds between checks
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False

# The landing page (`make present`'s root URL) is Voilà's plain list of the notebooks, rendered
# by the server: each name opens its dashboard.
c.VoilaConfiguration.classic_tree = True

# Kernels talk to the server over Unix sockets, not unencrypted TCP on loopback.
c.KernelManager.transport = "ipc"

# A failing page says where the details are, not "run Voilà with --show_tracebacks=True".
c.VoilaExecutor.cell_error_instruction = "The details are in the Voilà server's log."

# One stated port (8866 for `make present`): fail loudly instead of moving to 8867.
c.Voila.port_retries = 0
