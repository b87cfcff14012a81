"""plotly figure builders: a result goes in, a ``plotly.graph_objects.Figure`` comes out.

One template (:mod:`charts.theme`) is shared by the screen and static exports.
"""
