"""CarbonWatch core: data model, loader, demo generator, queries and analytics.

Plain Python; only core/ui may import streamlit.
"""
