mapboxgl.accessToken = "pk.eyJ1IjoiY29ycCIsImEiOiIMwy9tWNMGC8HpZbN3vaOOC_u-l76r2rLIQb_QJky.E63LcFm09Xf-WCp12JShXY";
