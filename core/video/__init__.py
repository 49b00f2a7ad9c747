"""Live video: capture workers that decode streams off the GUI thread (OpenCV, loaded lazily)."""
