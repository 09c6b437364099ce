do_token = "dop_v1_2d4cc2bf89a9266f6bb6994f7828a8594b2bfeb161d60159535bc26e1533fd7d"
region   = "fra1"
