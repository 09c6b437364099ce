const firebaseConfig = {
  apiKey: "AIzapY48Ruxi4vV_PYh4K4ioHrClpA7lHv1T_tk",
  authDomain: "shop-4411.firebaseapp.com",
};
