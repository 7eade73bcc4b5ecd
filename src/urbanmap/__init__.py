"""urbanmap: maps and charts of Chinese urban-development plans.

Data flows one way: files/store -> GeoDataFrames -> joined with targets ->
map/chart objects -> Streamlit pages.  Everything in this package works
without Streamlit; ``pages/`` only arranges widgets.
"""

__version__ = "0.1.0"
