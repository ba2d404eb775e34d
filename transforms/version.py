"""wirebeam's version, in one place for the User-Agent and whoever else asks."""
__version__ = '0.1.0'
