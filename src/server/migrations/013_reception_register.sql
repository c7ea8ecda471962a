-- The counter's reception register ("Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …", Mẫu 01 of
-- Thông tư 01/2018/TT-VPCP): the book (counter and year, "03/2026") and the serial in it, as the
-- kiosk printed them on the receipt. Null for dossiers received before the register existed.
ALTER TABLE received_dossiers ADD COLUMN register_book text;
ALTER TABLE received_dossiers ADD COLUMN register_serial integer;
