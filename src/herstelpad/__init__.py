"""Herstelpad: case management and monitoring for restorative, reintegration-oriented detention."""

__version__ = "0.1.0"
