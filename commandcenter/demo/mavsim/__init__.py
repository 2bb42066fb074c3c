"""The simulated multicopter behind commandcenter.demo.mav_vehicle.SimVehicle, one module per concern."""
