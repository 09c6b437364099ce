keytool -importkeystore -srckeystore in.p12 -srcstorepass ks-GKZsVimcq8HNdC -destkeystore out.jks -deststorepass ks-GKZsVimcq8HNdC
